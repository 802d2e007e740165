/** Runs in every test file: its temp folders (test/helpers/temp.ts) go when the file ends. */
import { afterAll } from "vitest";
import { removeTempDirs } from "../helpers/temp.ts";

afterAll(() => removeTempDirs());
