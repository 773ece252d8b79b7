import { useQueryClient } from '@tanstack/react-query';

import { useStream } from '@/lib/ws-context';

import { forecastKeys } from '../api/forecast';
import type { Job } from '../api/types';
import { frameProgress, parseProgressFrame } from '../lib/progress-frame';

/**
 * Follow the jobs' `forecastProgress` frames on the private `user` stream: a frame patches the
 * cached job at once (the bar moves per epoch); a finished job is re-read for its result. The
 * job query also polls, so a lost frame only delays the bar.
 */
export function useJobStream(enabled: boolean): void {
  const queryClient = useQueryClient();
  useStream(enabled ? 'user' : null, (data) => {
    const frame = parseProgressFrame(data);
    if (!frame) return;
    const key = forecastKeys.job(frame.job_id);
    const progress = frameProgress(frame);
    queryClient.setQueryData<Job>(key, (old) =>
      old ? { ...old, state: frame.state, progress: progress ?? old.progress } : old,
    );
    if (frame.state === 'succeeded' || frame.state === 'failed') {
      void queryClient.invalidateQueries({ queryKey: key });
      void queryClient.invalidateQueries({ queryKey: forecastKeys.all });
    }
  });
}
