const format = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "medium" });

export function Time(props: { at: string | null | undefined }) {
  if (!props.at) return <span class="muted">never</span>;
  return <time dateTime={props.at}>{format.format(new Date(props.at))}</time>;
}
