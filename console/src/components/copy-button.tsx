import { useState } from "preact/hooks";

/** Copies a value; falls back to selecting it where the Clipboard API is not allowed (plain HTTP). */
export function CopyButton(props: { value: string; label: string }) {
  const [done, setDone] = useState<string | undefined>(undefined);
  return (
    <button
      type="button"
      class="small"
      aria-label={`Copy ${props.label}`}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(props.value);
          setDone("Copied");
        } catch {
          setDone("Select and copy by hand");
        }
        setTimeout(() => setDone(undefined), 2000);
      }}
    >
      {done ?? "Copy"}
    </button>
  );
}

/** A value shown in full, monospace, with a copy button. */
export function Secret(props: { value: string; label: string }) {
  return (
    <div class="secret">
      <code data-testid={props.label}>{props.value}</code>
      <CopyButton value={props.value} label={props.label} />
    </div>
  );
}
