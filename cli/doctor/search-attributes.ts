/** doctor: xpuflow's search attributes are registered on the namespace as Keyword (the workers' own check). */
import { searchAttributeProblems, wrongTypeLines } from '../../platform/connection/search-attributes-check';
import { SEARCH_ATTRIBUTE_KEYS } from '../../model/search-attributes';
import { Problem, type Check } from './check';

export const searchAttributesCheck: Check = {
  name: 'search-attributes',
  needs: ['namespace'],
  timeoutFix: 'the Temporal frontend answers but slowly: check its health (temporal operator cluster health)',
  async run(ctx) {
    const client = ctx.client!;
    const ns = client.options.namespace;
    const { missing, wrongType } = await client.connection.withDeadline(Date.now() + ctx.timeoutMs, () =>
      searchAttributeProblems(client),
    );
    if (missing.length > 0)
      throw new Problem(
        `namespace ${ns} lacks xpuflow's search attributes ${missing.join(', ')}`,
        `temporal operator search-attribute create --namespace ${ns} ${missing.map((m) => `--name ${m}`).join(' ')} --type Keyword`,
      );
    const [wrongTypeProblem, ...remakeCommands] = wrongTypeLines(ns, wrongType);
    if (wrongTypeProblem) throw new Problem(wrongTypeProblem, remakeCommands.map((c) => c.trim()).join('; '));
    return `${SEARCH_ATTRIBUTE_KEYS.map((k) => k.name).join(', ')} registered as Keyword`;
  },
};
