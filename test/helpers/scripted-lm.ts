/**
 * A test double for the LM interface: answers come from a function of the request, and
 * every request is recorded, so tests can pin what each model saw.
 */
import type { LM, LMRequest, LMResponse } from "../../src/lm/types.ts";

export class ScriptedLM implements LM {
  readonly id: string;
  readonly model: string;
  readonly requests: LMRequest[] = [];
  readonly #answer: (request: LMRequest) => string;

  constructor(answer: (request: LMRequest) => string, name = "scripted") {
    this.#answer = answer;
    this.model = name;
    this.id = `scripted://${name}`;
  }

  async complete(request: LMRequest): Promise<LMResponse> {
    this.requests.push(request);
    const text = this.#answer(request);
    return { choices: [text], usage: { prompt_tokens: 10, completion_tokens: 5 }, cached: false };
  }
}

export const lastUser = (r: LMRequest): string => [...r.messages].reverse().find((m) => m.role === "user")!.content;
export const systemOf = (r: LMRequest): string => r.messages.find((m) => m.role === "system")?.content ?? "";
export const queryText = (r: LMRequest): string => lastUser(r).split("\nText: ").pop()!;
