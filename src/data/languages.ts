/**
 * Language codes. ieopt identifies languages by ISO 639-3 (`eng`, `deu`, `zho`); source
 * datasets use ISO 639-1 or their own codes (xSID's `de-ba` is Bavarian, not German from
 * Bosnia). Only codes listed here are accepted: guessing (dropping a subtag, passing an
 * unknown code through) is exactly the silent error the method warns about.
 */
import { UserInputError } from "../errors.ts";

/** ISO 639-1 → ISO 639-3 (individual-language codes where one is customary). */
const ISO_639_1: Readonly<Record<string, string>> = {
  af: "afr", am: "amh", ar: "ara", az: "aze", be: "bel", bg: "bul", bn: "ben", bs: "bos",
  ca: "cat", cs: "ces", cy: "cym", da: "dan", de: "deu", el: "ell", en: "eng", eo: "epo",
  es: "spa", et: "est", eu: "eus", fa: "fas", fi: "fin", fo: "fao", fr: "fra", ga: "gle",
  gl: "glg", gu: "guj", ha: "hau", he: "heb", hi: "hin", hr: "hrv", hu: "hun", hy: "hye",
  id: "ind", ig: "ibo", is: "isl", it: "ita", ja: "jpn", jv: "jav", ka: "kat", kk: "kaz",
  km: "khm", kn: "kan", ko: "kor", ku: "kur", ky: "kir", la: "lat", lb: "ltz", lo: "lao",
  lt: "lit", lv: "lav", mg: "mlg", mk: "mkd", ml: "mal", mn: "mon", mr: "mar", ms: "msa",
  mt: "mlt", my: "mya", nb: "nob", ne: "nep", nl: "nld", nn: "nno", no: "nor", pa: "pan",
  pl: "pol", ps: "pus", pt: "por", ro: "ron", ru: "rus", rw: "kin", sd: "snd", si: "sin",
  sk: "slk", sl: "slv", so: "som", sq: "sqi", sr: "srp", sv: "swe", sw: "swa", ta: "tam",
  te: "tel", tg: "tgk", th: "tha", tl: "tgl", tr: "tur", uk: "ukr", ur: "urd", uz: "uzb",
  vi: "vie", wo: "wol", xh: "xho", yo: "yor", zh: "zho", zu: "zul",
};

/** Codes used by the datasets ieopt imports that are not plain ISO 639-1. */
const DATASET_CODES: Readonly<Record<string, string>> = {
  "de-ba": "bar", // xSID: Bavarian
  gsw: "gsw", // Swiss German (already ISO 639-3)
  nap: "nap", // Neapolitan (already ISO 639-3)
  fil: "fil", // Filipino
};

/** Every ISO 639-3 code this table knows, so `eng` maps to itself. */
const KNOWN_639_3: ReadonlySet<string> = new Set([...Object.values(ISO_639_1), ...Object.values(DATASET_CODES)]);

/** The ISO 639-3 code for a known code, or undefined. Case-insensitive; `_` reads as `-`. */
export function tryToIso6393(code: string): string | undefined {
  const key = code.trim().toLowerCase().replace(/_/g, "-");
  return DATASET_CODES[key] ?? ISO_639_1[key] ?? (KNOWN_639_3.has(key) ? key : undefined);
}

/** The ISO 639-3 code for `code`; throws UserInputError for a code not in the table. */
export function toIso6393(code: string, where: { file?: string; line?: number; field?: string } = {}): string {
  const iso = tryToIso6393(code);
  if (iso === undefined) {
    throw new UserInputError(
      `unknown language code '${code}'; give an ISO 639-1 code (e.g. 'de'), an ISO 639-3 code (e.g. 'deu') ` +
        "or a dataset code ieopt knows (e.g. 'de-ba' for Bavarian)",
      where,
    );
  }
  return iso;
}

/** Whether `code` is an ISO 639-3 code this table knows (used to vet data files). */
export function isKnownIso6393(code: string): boolean {
  return KNOWN_639_3.has(code);
}
