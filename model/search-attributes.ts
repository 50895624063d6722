/**
 * Custom search attributes xpuflow writes on its workflows. temporal-dev.sh
 * registers them on the dev server; on a real cluster run
 * `temporal operator search-attribute create --name XpuflowPhase --type Keyword` (and the others).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const PHASE_KEY = defineSearchAttributeKey('XpuflowPhase', SearchAttributeType.KEYWORD);
export const DPU_KEY = defineSearchAttributeKey('XpuflowDpu', SearchAttributeType.KEYWORD);
export const NODE_KEY = defineSearchAttributeKey('XpuflowNode', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [PHASE_KEY, DPU_KEY, NODE_KEY] as const;
