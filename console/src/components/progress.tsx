export function Progress(props: { value: number; label: string; failed?: boolean }) {
  return (
    <div
      class={props.failed ? "bar failed" : "bar"}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={props.value}
    >
      <div class="fill" style={{ width: `${props.value}%` }} />
      <span>{props.value} %</span>
    </div>
  );
}
