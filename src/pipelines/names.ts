/** The pipeline names (src/pipelines/pipelines.ts), importable by contracts without the pipelines. */
import { z } from "zod";

export const PIPELINE_NAMES = ["direct", "translate-test", "transfusion"] as const;
export const PipelineNameSchema = z.enum(PIPELINE_NAMES);
export type PipelineName = z.infer<typeof PipelineNameSchema>;
