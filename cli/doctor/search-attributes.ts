/** doctor: xpuflow's search attributes are registered on the namespace as Keyword (the workers' own check). */
import { searchAttributeProblems } from '../../platform/connection/search-attributes-check';
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
    if (wrongType.length > 0)
      throw new Problem(
        `namespace ${ns} has ${wrongType.map((w) => `${w.name} as ${w.type}`).join(', ')}; xpuflow needs Keyword`,
        'a type cannot be changed in place: an administrator removes each and creates it again, ' +
          wrongType
            .map(
              (w) =>
                `temporal operator search-attribute remove --namespace ${ns} --name ${w.name} && ` +
                `temporal operator search-attribute create --namespace ${ns} --name ${w.name} --type Keyword`,
            )
            .join('; '),
      );
    return `${SEARCH_ATTRIBUTE_KEYS.map((k) => k.name).join(', ')} registered as Keyword`;
  },
};
