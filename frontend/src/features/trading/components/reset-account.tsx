import { useState } from 'react';
import Alert from 'react-bootstrap/Alert';
import Button from 'react-bootstrap/Button';
import Modal from 'react-bootstrap/Modal';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';

import { useResetAccountMutation } from '../api/trading';

/** Account reset behind a confirmation dialog. */
export function ResetAccount() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const reset = useResetAccountMutation();
  return (
    <>
      <Button
        variant="outline-danger"
        size="sm"
        onClick={() => {
          reset.reset();
          setOpen(true);
        }}
      >
        {t('portfolio.reset')}
      </Button>
      {reset.isSuccess ? (
        <Alert variant="success" role="status" className="py-1 px-2 small mb-0 ms-2 d-inline-block">
          {t('portfolio.resetDone')}
        </Alert>
      ) : null}
      <Modal show={open} onHide={() => setOpen(false)} aria-labelledby="reset-title" centered>
        <Modal.Header closeButton closeLabel={t('portfolio.close')}>
          <Modal.Title id="reset-title">{t('portfolio.resetTitle')}</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          <p className="mb-2">{t('portfolio.resetText')}</p>
          <ErrorAlert error={reset.error} />
        </Modal.Body>
        <Modal.Footer>
          <Button variant="secondary" onClick={() => setOpen(false)}>
            {t('portfolio.cancel')}
          </Button>
          <Button
            variant="danger"
            disabled={reset.isPending}
            onClick={() => reset.mutate(undefined, { onSuccess: () => setOpen(false) })}
          >
            {t('portfolio.resetConfirm')}
          </Button>
        </Modal.Footer>
      </Modal>
    </>
  );
}
