import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { renderRoutes } from '@/testing/render';

import { ErrorBoundary } from './error-boundary';

describe('ErrorBoundary', () => {
  it('shows the fallback after a render error and re-mounts the children on retry', async () => {
    let broken = true;
    function Flaky() {
      if (broken) throw new Error('boom');
      return <p>recovered</p>;
    }
    const quiet = console.error;
    console.error = () => undefined; // React logs the caught error; expected here
    try {
      renderRoutes({
        routes: [
          {
            path: '/',
            element: (
              <ErrorBoundary
                onReset={() => {
                  broken = false; // e.g. the query error reset
                }}
                fallback={({ retry }) => (
                  <button type="button" onClick={retry}>
                    Try again
                  </button>
                )}
              >
                <Flaky />
              </ErrorBoundary>
            ),
          },
        ],
      });
      await userEvent.setup().click(await screen.findByRole('button', { name: 'Try again' }));
      expect(await screen.findByText('recovered')).toBeInTheDocument();
    } finally {
      console.error = quiet;
    }
  });
});
