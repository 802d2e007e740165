/** One entry point for every source format, as used by `ieopt data import`. */
import { UserInputError } from "../../errors.ts";
import type { Sample } from "../sample.ts";
import { importFewfc } from "./fewfc.ts";
import { importRelx } from "./relx.ts";
import type { ImportOptions } from "./source-info.ts";
import { importUner } from "./uner.ts";
import { importXsid } from "./xsid.ts";

export const IMPORT_FORMATS = ["xsid", "uner", "relx", "fewfc"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportFileOptions extends ImportOptions {
  /** FewFC only: which task's samples to build. */
  task?: "ED" | "EE";
}

export async function importFile(format: ImportFormat, path: string, options: ImportFileOptions = {}): Promise<Sample[]> {
  switch (format) {
    case "xsid":
      return importXsid(path, options);
    case "uner":
      return importUner(path, options);
    case "relx":
      return importRelx(path, options);
    case "fewfc":
      if (options.task === undefined) throw new UserInputError("FewFC holds both ED and EE; pass --task ED or --task EE");
      return importFewfc(path, { ...options, task: options.task });
  }
}

export { importFewfc, importRelx, importUner, importXsid };
export type { ImportOptions };
