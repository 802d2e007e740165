/**
 * A program whose queries carry type descriptions from induced guidelines
 * (optimizers/guidelines.ts): every query's and demo's schema_descriptions are filled for
 * the types the guidelines describe (descriptions the sample has are kept). So the
 * optimizer can search "with vs without induced guidelines" as one more categorical choice.
 */
import { fingerprint } from "../src/util/hash.ts";
import type { IEProgram, QueryInput } from "./program.ts";

export function withDescriptions(program: IEProgram, descriptions: Readonly<Record<string, string>>): IEProgram {
  const task = program.definition;
  const fill = (query: QueryInput): QueryInput => {
    const added: Record<string, string> = {};
    for (const item of query.schema) {
      const type = task.itemName(item);
      if (descriptions[type] !== undefined && query.schema_descriptions?.[type] === undefined) added[type] = descriptions[type];
    }
    return Object.keys(added).length === 0 ? query : { ...query, schema_descriptions: { ...query.schema_descriptions, ...added } };
  };
  return {
    ...program,
    version: `${program.version}+guided.${fingerprint(descriptions, 8)}`,
    render: (query, slots) => program.render(fill(query), { ...slots, demos: slots.demos.map((d) => ({ ...d, input: fill(d.input) })) }),
    renderQuery: (query) => program.renderQuery(fill(query)),
  };
}
