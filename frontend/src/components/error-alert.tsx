import Alert from 'react-bootstrap/Alert';

import { errorMessage } from '@/lib/error-message';

/** A form- or page-level failure, announced to screen readers as it appears. */
export function ErrorAlert({ error }: { readonly error: unknown }) {
  if (!error) return null;
  return (
    <Alert variant="danger" role="alert" className="py-2">
      {errorMessage(error)}
    </Alert>
  );
}
