/**
 * What every importer needs to know about its source file: language, split, dataset name,
 * and how instance ids are formed. Language and split come from flags, else from the file
 * name (xSID `de-ba.test.conll`, UNER `en_ewt-ud-dev.iob2`, RELX `RELX_en.txt`).
 */
import { basename } from "node:path";
import { UserInputError } from "../../errors.ts";
import { toIso6393 } from "../languages.ts";
import { SplitSchema, type Split, type Task } from "../sample.ts";

export interface ImportOptions {
  /** Language code (ISO 639-1, 639-3 or a dataset code); default: from the file name. */
  lang?: string;
  /** Default: from the file name (`test`, `dev`/`valid`, `train`). */
  split?: string;
  /** Dataset name written into every sample; default: the format's name. */
  dataset?: string;
  /**
   * The dataset's full type list. Default: the format's documented list (so every language
   * of a dataset is queried with the same schema); `"file"`: the types found in the file.
   */
  types?: readonly string[] | "file";
}

export interface SourceInfo {
  file: string;
  lang: string;
  split: Split;
  dataset: string;
  task: Task;
}

/** The language part of a file name, per format convention; undefined if none is evident. */
export function langFromFileName(path: string, format: string): string | undefined {
  const name = basename(path);
  switch (format) {
    case "xsid":
      return /^([A-Za-z]{2,3}(?:-[A-Za-z]{2})?)\./.exec(name)?.[1];
    case "uner":
      return /^([A-Za-z]{2,3})_/.exec(name)?.[1];
    case "relx":
      return /RELX_([A-Za-z]{2,3})\b/.exec(name)?.[1];
    default:
      return undefined;
  }
}

/** The split named in a file name (`test`, `dev`/`valid`, `train`), or undefined. */
export function splitFromFileName(path: string): Split | undefined {
  const words = basename(path).toLowerCase().split(/[^a-z]+/);
  if (words.includes("test")) return "test";
  if (words.includes("dev") || words.includes("valid") || words.includes("validation")) return "dev";
  if (words.includes("train")) return "train";
  return undefined;
}

export function resolveSourceInfo(
  path: string,
  format: string,
  task: Task,
  options: ImportOptions,
  defaults: { lang?: string; split?: Split } = {},
): SourceInfo {
  const langCode = options.lang ?? langFromFileName(path, format) ?? defaults.lang;
  if (langCode === undefined) {
    throw new UserInputError(`cannot tell the language from the file name; pass --lang (e.g. --lang de)`, { file: path });
  }
  const lang = toIso6393(langCode, { file: path });
  let split: Split | undefined;
  if (options.split !== undefined) {
    const parsed = SplitSchema.safeParse(options.split === "valid" ? "dev" : options.split);
    if (!parsed.success) throw new UserInputError(`unknown split '${options.split}'; use train, dev or test`, { file: path });
    split = parsed.data;
  } else {
    split = splitFromFileName(path) ?? defaults.split;
  }
  if (split === undefined) {
    throw new UserInputError("cannot tell the split from the file name; pass --split train|dev|test", { file: path });
  }
  return { file: path, lang, split, dataset: options.dataset ?? format, task };
}

/** Instance ids are unique across datasets, tasks, languages and splits: files can be merged. */
export function instanceId(info: SourceInfo, sourceId: string | number): string {
  return `${info.dataset}/${info.task}/${info.lang}/${info.split}/${sourceId}`;
}
