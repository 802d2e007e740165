/** Small synthetic SF samples for optimizer tests (no files needed). */
import { SampleSchema, type Sample } from "../../src/data/sample.ts";

const CITIES = ["Oslo", "Lima", "Kyiv", "Hanoi", "Quito", "Accra", "Perth", "Riga", "Doha", "Cusco"];
const WHEN = ["tomorrow", "tonight", "on Friday", "next week", "at noon"];

export function toySamples(split: "train" | "dev" | "test", n: number, offset = 0): Sample[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i + offset;
    const city = CITIES[k % CITIES.length]!;
    const when = WHEN[k % WHEN.length]!;
    const empty = k % 4 === 3;
    const text = empty ? `play some music number ${k}` : `weather in ${city} ${when} please ${k}`;
    return SampleSchema.parse({
      id: `${split}-${k}`,
      dataset: "toy",
      lang: "eng",
      task: "SF",
      split,
      text,
      schema: ["location", "datetime"],
      labels: empty ? [] : [
        { slot: city, slot_type: "location" },
        { slot: when, slot_type: "datetime" },
      ],
    });
  });
}
