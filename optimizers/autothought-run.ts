/**
 * `ieopt optimize --autothought N [--from RUN]` end to end. Variants 1–3 continue an
 * optimized prompt: with --from they load that run's frozen prompt; without it, the plain
 * MIPRO optimization runs first, in its own run folder (a normal run, usable on its own),
 * and the AutoThought run continues from it. Variant 4 needs no source.
 *
 * Resuming: `--resume <autothought run>` continues that run (its config names its source).
 * When the plain run was the one interrupted, resume it with `--resume <plain run>` and
 * then start AutoThought with `--from <plain run>`.
 */
import { UserInputError } from "../src/errors.ts";
import { optimize, type OptimizeOutcome, type OptimizeRequest } from "./optimize.ts";
import { needsSourceRun, type AutoThoughtVariant } from "./autothought.ts";

export interface AutoThoughtRequest extends Omit<OptimizeRequest, "autothought"> {
  variant: AutoThoughtVariant;
  from?: string | undefined;
  /** Run id for the plain optimization made when `from` is missing. */
  sourceRunId?: string;
  /** Called when the plain optimization finishes, before AutoThought starts. */
  onSourceFinished?: (source: OptimizeOutcome) => void;
}

export interface AutoThoughtOutcome extends OptimizeOutcome {
  /** The plain run made first (variants 1–3 without --from). */
  source?: OptimizeOutcome;
}

export async function optimizeAutoThought(request: AutoThoughtRequest): Promise<AutoThoughtOutcome> {
  const { variant, from, sourceRunId, onSourceFinished, ...rest } = request;
  if (rest.resume) return optimize({ ...rest, autothought: { variant } });
  if (!needsSourceRun(variant)) {
    if (from) throw new UserInputError("AutoThought-4 builds its own thought-carrying demos; --from is for variants 1–3");
    return optimize({ ...rest, autothought: { variant } });
  }
  let source: OptimizeOutcome | undefined;
  let fromRun = from;
  if (!fromRun) {
    rest.events?.phase?.("plain optimization", "no --from: optimizing I_top and S_top first");
    source = await optimize({ ...rest, ...(sourceRunId ? { runId: sourceRunId } : { runId: undefined }) });
    onSourceFinished?.(source);
    fromRun = source.run.id;
  }
  const outcome = await optimize({ ...rest, autothought: { variant, from: fromRun } });
  return source ? { ...outcome, source } : outcome;
}
