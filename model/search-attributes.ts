/**
 * Custom search attributes xpuflow registers on the Temporal namespace
 * (temporal-dev.sh creates them on the dev server; see README for a real cluster).
 */
export const SearchAttribute = {
  Phase: 'XpuflowPhase',
  Dpu: 'XpuflowDpu',
  Node: 'XpuflowNode',
} as const;

export const SEARCH_ATTRIBUTE_TYPES: Record<string, 'Keyword'> = {
  [SearchAttribute.Phase]: 'Keyword',
  [SearchAttribute.Dpu]: 'Keyword',
  [SearchAttribute.Node]: 'Keyword',
};
