/**
 * Custom search attributes xpuflow writes on its workflows. temporal-dev.sh
 * registers them on the dev server; on a real cluster an administrator runs
 * `xpuflow setup` (cli/setup/), which registers them through the operator API.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const PHASE_KEY = defineSearchAttributeKey('XpuflowPhase', SearchAttributeType.KEYWORD);
export const DPU_KEY = defineSearchAttributeKey('XpuflowDpu', SearchAttributeType.KEYWORD);
export const NODE_KEY = defineSearchAttributeKey('XpuflowNode', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [PHASE_KEY, DPU_KEY, NODE_KEY] as const;
