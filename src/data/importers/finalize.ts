/**
 * The last step of every importer: check each built instance against the sample contract
 * (so an importer can never write a file `data validate` would reject) and that ids are
 * unique, naming the source line when something is off.
 */
import { UserInputError } from "../../errors.ts";
import { formatIssuePath } from "../jsonl.ts";
import { SampleSchema, type Sample, type SampleInput } from "../sample.ts";

export interface BuiltInstance {
  sample: SampleInput;
  /** Source line the instance starts on. */
  line: number;
}

export function finalizeInstances(built: readonly BuiltInstance[], file: string): Sample[] {
  const seen = new Map<string, number>();
  return built.map(({ sample, line }) => {
    const parsed = SampleSchema.safeParse(sample);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UserInputError(`the record built from this entry is invalid: ${issue?.message ?? "unknown problem"}`, {
        file,
        line,
        ...(issue && issue.path.length > 0 ? { field: formatIssuePath(issue.path) } : {}),
      });
    }
    const first = seen.get(parsed.data.id);
    if (first !== undefined) {
      throw new UserInputError(`duplicate source id (entry on line ${first} gives the same id '${parsed.data.id}')`, {
        file,
        line,
      });
    }
    seen.set(parsed.data.id, line);
    return parsed.data;
  });
}
