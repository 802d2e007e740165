import type { Command } from "commander";

// Placeholder while the 'export' command is being built.
export function register(_program: Command): void {}
