import type { JobState, Progress } from '../api/types';

/** A `forecastProgress` event of the private `user` stream (backend/streams.py). */
export interface ProgressFrame extends Partial<Progress> {
  readonly e: 'forecastProgress';
  readonly job_id: string;
  readonly state: JobState;
}

const STATES: readonly string[] = ['queued', 'running', 'succeeded', 'failed'];

export function parseProgressFrame(data: unknown): ProgressFrame | null {
  if (typeof data !== 'object' || data === null) return null;
  const frame = data as Record<string, unknown>;
  if (frame.e !== 'forecastProgress' || typeof frame.job_id !== 'string') return null;
  if (typeof frame.state !== 'string' || !STATES.includes(frame.state)) return null;
  return frame as unknown as ProgressFrame;
}

/** The progress a frame carries, when it carries a whole one. */
export function frameProgress(frame: ProgressFrame): Progress | null {
  const { epoch, epochs, train_loss, val_loss, best_epoch, elapsed_s, eta_s } = frame;
  if (
    typeof epoch !== 'number' ||
    typeof epochs !== 'number' ||
    typeof train_loss !== 'number' ||
    typeof val_loss !== 'number'
  )
    return null;
  return {
    epoch,
    epochs,
    train_loss,
    val_loss,
    best_epoch: best_epoch ?? epoch,
    elapsed_s: elapsed_s ?? 0,
    eta_s: eta_s ?? 0,
  };
}
