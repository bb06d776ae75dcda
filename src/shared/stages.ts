/** The pipeline's stage names, in order (the order and why: src/pipeline/stages.ts). */
export const STAGE_ORDER = ['authn', 'validate', 'registry', 'inspect', 'authz', 'flow', 'rate', 'approval'] as const;
export type StageName = (typeof STAGE_ORDER)[number];

/** Stages `pipeline.disable` may turn off: all but authn (who the caller is, and whether still allowed in). */
export const DISABLEABLE_STAGES = STAGE_ORDER.filter((s) => s !== 'authn') as Exclude<StageName, 'authn'>[];
