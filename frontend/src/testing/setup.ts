import '@testing-library/jest-dom/vitest';

import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// Waits (findBy*, waitFor) give up after 4 s instead of 1 s: on a loaded 2-core CI machine a
// debounced search plus a round trip to the fake API took longer than 1 s. A broken page still fails.
configure({ asyncUtilTimeout: 4000 });

afterEach(() => {
  cleanup();
  if (typeof localStorage !== 'undefined') localStorage.clear();
});
