import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

/**
 * Renders only the rows in view (fixed row height), so 5,000 nodes cost as much
 * as 20, and a node that registers outside the view changes no row at all.
 */
export function VirtualList<T>(props: {
  items: readonly T[];
  rowHeight: number;
  height: number;
  label: string;
  row: (item: T, index: number) => ComponentChildren;
}) {
  const [top, setTop] = useState(0);
  const overscan = 5;
  const first = Math.max(0, Math.floor(top / props.rowHeight) - overscan);
  const last = Math.min(
    props.items.length,
    Math.ceil((top + props.height) / props.rowHeight) + overscan,
  );
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) rows.push(props.row(props.items[i] as T, i));
  return (
    <div
      class="virtual"
      style={{ height: `${props.height}px` }}
      onScroll={(event) => setTop((event.currentTarget as HTMLElement).scrollTop)}
    >
      <div style={{ height: `${props.items.length * props.rowHeight}px`, position: "relative" }}>
        <ul
          aria-label={props.label}
          style={{ transform: `translateY(${first * props.rowHeight}px)` }}
        >
          {rows}
        </ul>
      </div>
    </div>
  );
}
