import { workerLoopback } from '../support/worker-loopback';

test('each jest worker gets its own loopback /16, worker 1 (or none) 127.0', () => {
  expect(workerLoopback({})).toBe('127.0');
  expect(workerLoopback({ JEST_WORKER_ID: '1' })).toBe('127.0');
  expect(workerLoopback({ JEST_WORKER_ID: '2' })).toBe('127.1');
  expect(() => workerLoopback({ JEST_WORKER_ID: '0' })).toThrow(
    'JEST_WORKER_ID=0: expected a whole number from 1 to 255',
  );
  expect(() => workerLoopback({ JEST_WORKER_ID: 'x' })).toThrow('JEST_WORKER_ID=x');
});
