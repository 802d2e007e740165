import type { Command } from "commander";

// Placeholder while the 'runs' command is being built.
export function register(_program: Command): void {}
