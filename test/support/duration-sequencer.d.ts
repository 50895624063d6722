/** Types of duration-sequencer.js (plain CommonJS: jest loads its testSequencer untransformed). */
import Sequencer from '@jest/test-sequencer';

export interface PlannedFile {
  id: number;
  seconds: number;
  lock?: string;
}
export function planOrder(files: PlannedFile[], workers: number): { order: number[]; seconds: number };
export function estimate(relPaths: string[], recorded: Record<string, number>): number[];
export function lockOf(source: string): string | undefined;
declare class DurationSequencer extends Sequencer {}
export default DurationSequencer;
