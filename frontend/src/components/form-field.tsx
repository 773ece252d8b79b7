import { forwardRef, useId } from 'react';
import type { InputHTMLAttributes } from 'react';
import Form from 'react-bootstrap/Form';

export interface FormFieldProps extends Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'size' | 'value'
> {
  readonly value?: string;
  readonly label: string;
  readonly error?: string | undefined;
  readonly hint?: string | undefined;
}

/** A labelled input (registered with react-hook-form, or controlled through `value`) whose
 * error and hint are tied to it for screen readers. */
export const FormField = forwardRef<HTMLInputElement, FormFieldProps>(function FormField(
  { label, error, hint, id, className, ...input },
  ref,
) {
  const autoId = useId();
  const inputId = id ?? autoId;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = error ? `${inputId}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <Form.Group className={className ?? 'mb-3'} controlId={inputId}>
      <Form.Label>{label}</Form.Label>
      <Form.Control
        ref={ref}
        isInvalid={Boolean(error)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
      {error ? (
        <Form.Control.Feedback type="invalid" id={errorId}>
          {error}
        </Form.Control.Feedback>
      ) : null}
      {hint ? (
        <Form.Text id={hintId} muted>
          {hint}
        </Form.Text>
      ) : null}
    </Form.Group>
  );
});
