/**
 * Prompting tips for the grounded proposer (method.md §5 step 2): one is drawn at random
 * for each instruction proposal, to push the teacher toward varied instructions.
 * Written in our own words; several are specific to information extraction.
 */
export interface Tip {
  id: string;
  text: string;
}

export const TIPS: readonly Tip[] = [
  { id: "none", text: "No special advice: write the instruction you think works best." },
  { id: "concise", text: "Keep the instruction short and direct; a model follows two clear sentences better than a paragraph." },
  { id: "descriptive", text: "Describe the task in detail, saying what each type means and what counts as a valid answer." },
  { id: "span-boundaries", text: "Say exactly where a span starts and ends: which words belong to it, and whether articles, titles or prepositions are included." },
  { id: "verbatim", text: "Insist that every extracted span is copied character for character from the text, never paraphrased, translated or normalized." },
  { id: "empty-output", text: "Make clear that an empty list [] is the correct answer when none of the given types occurs, and that guessing is worse than answering []." },
  { id: "multilingual", text: "The input may be in any language or script; tell the model to keep spans in the original language and script." },
  { id: "schema-only", text: "Tell the model to use only the types listed in the query, spelled exactly as given, and to read the type descriptions when they are present." },
  { id: "output-format", text: "Spell out the output format precisely: a JSON list of objects with the exact field names, and nothing else in the answer." },
  { id: "persona", text: "Open the instruction with a fitting expert persona, such as an experienced annotator of the data's domain." },
  { id: "high-stakes", text: "Frame the task as high stakes, where every missed or invented span has a cost." },
];
