/** The pure rules of a DPUDeployment: values merged, resources fitted, versions matched, each refusal naming the value. */
import {
  mergeValues,
  parseQuantity,
  resourceFitProblem,
  satisfies,
  versionProblems,
} from '../../model/dpu-deployment';

test("a configuration's values win over the template's, key by key; lists are replaced whole", () => {
  expect(
    mergeValues(
      { image: { repo: 'a', tag: '1' }, replicas: 1, args: ['x', 'y'] },
      { image: { tag: '2' }, args: ['z'] },
    ),
  ).toEqual({ image: { repo: 'a', tag: '2' }, replicas: 1, args: ['z'] });
});

test('quantities as Kubernetes writes them', () => {
  expect(parseQuantity('500m')).toBe(0.5);
  expect(parseQuantity('2')).toBe(2);
  expect(parseQuantity('1Gi')).toBe(2 ** 30);
  expect(parseQuantity(3)).toBe(3);
  expect(parseQuantity('lots')).toBeUndefined();
});

test('services fit when their sum is within dpuResources minus systemReservedResources, and the refusal names them', () => {
  const flavor = { dpuResources: { cpu: '8', memory: '16Gi' }, systemReservedResources: { cpu: '2' } };
  const fits = resourceFitProblem('big', flavor, [
    { service: 'fw', template: 'fw-t', requirements: { cpu: '4', memory: '4Gi' } },
    { service: 'lb', template: 'lb-t', requirements: { cpu: '2' } },
  ]);
  expect(fits).toBeUndefined();
  const over = resourceFitProblem('big', flavor, [
    { service: 'fw', template: 'fw-t', requirements: { cpu: '4' } },
    { service: 'lb', template: 'lb-t', requirements: { cpu: '2500m' } },
  ]);
  expect(over).toContain('services fw (cpu 4), lb (cpu 2500m) need cpu 6.5 but DPUFlavor big offers 6');
  expect(over).toContain('dpuResources 8 minus systemReservedResources 2');
  expect(
    resourceFitProblem('big', flavor, [
      { service: 'gpu', template: 'g', requirements: { 'nvidia.com/gpu': 1 } },
    ]),
  ).toContain('DPUFlavor big has no dpuResources.nvidia.com/gpu');
  expect(
    resourceFitProblem(undefined, undefined, [{ service: 'fw', template: 't', requirements: { cpu: 1 } }]),
  ).toContain('spec.dpus.flavor names no DPUFlavor');
  expect(resourceFitProblem(undefined, undefined, [{ service: 'fw', template: 't' }])).toBeUndefined();
});

test('version constraints: every comparison holds; the refusal names the template, the constraint and the BFB version', () => {
  expect(satisfies('2.9.1', '>=2.9.0 <3.0.0')).toBe(true);
  expect(satisfies('3.0.0', '>=2.9.0 <3.0.0')).toBe(false);
  expect(satisfies('v2.10', '>2.9')).toBe(true);
  expect(satisfies('2.9.1', '2.9.1')).toBe(true);
  expect(() => satisfies('2.9.1', 'about 2')).toThrow('constraint "about 2"');
  expect(
    versionProblems('bf-2-9', { doca: '2.9.1' }, [{ template: 'fw', versions: { doca: '>=2.9.0' } }]),
  ).toEqual([]);
  expect(
    versionProblems('bf-2-9', { doca: '2.9.1' }, [{ template: 'fw', versions: { doca: '>=3.0.0' } }]),
  ).toEqual([
    'DPUServiceTemplate fw needs doca >=3.0.0 but BFB bf-2-9 has doca 2.9.1: use a BFB that satisfies it or a template for this version',
  ]);
  expect(versionProblems('bf', undefined, [{ template: 'fw', versions: { doca: '>=2.9.0' } }])[0]).toContain(
    'BFB bf lists no spec.versions.doca',
  );
});
