import { useState } from 'react';
import type { ReactNode } from 'react';
import Button from 'react-bootstrap/Button';
import Modal from 'react-bootstrap/Modal';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';

/** A button that asks first: the action runs only from the dialog's confirm button. */
export function ConfirmAction({
  id,
  label,
  title,
  text,
  confirm,
  variant = 'outline-danger',
  disabled = false,
  busy,
  error,
  onConfirm,
  onOpen,
}: {
  readonly id: string;
  readonly label: string;
  readonly title: string;
  readonly text: ReactNode;
  readonly confirm: string;
  readonly variant?: string;
  readonly disabled?: boolean;
  readonly busy: boolean;
  readonly error: unknown;
  /** Runs the action; calls `done` on success to close the dialog. */
  readonly onConfirm: (done: () => void) => void;
  readonly onOpen?: () => void;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const danger = variant.includes('danger');
  return (
    <>
      <Button
        size="sm"
        variant={variant}
        disabled={disabled}
        onClick={() => {
          onOpen?.();
          setOpen(true);
        }}
      >
        {label}
      </Button>
      <Modal show={open} onHide={() => setOpen(false)} aria-labelledby={`${id}-title`} centered>
        <Modal.Header closeButton closeLabel={t('adminUser.close')}>
          <Modal.Title id={`${id}-title`} className="h5">
            {title}
          </Modal.Title>
        </Modal.Header>
        <Modal.Body>
          <p className="mb-2">{text}</p>
          {open ? <ErrorAlert error={error} /> : null}
        </Modal.Body>
        <Modal.Footer>
          <Button variant="secondary" onClick={() => setOpen(false)}>
            {t('adminUser.cancel')}
          </Button>
          <Button
            variant={danger ? 'danger' : 'primary'}
            disabled={busy}
            onClick={() => onConfirm(() => setOpen(false))}
          >
            {confirm}
          </Button>
        </Modal.Footer>
      </Modal>
    </>
  );
}
