/** A one-line progress bar on stderr; on a non-TTY it prints a line per status change instead. */
export function createProgressBar(label: string) {
  const tty = process.stderr.isTTY === true;
  let lastLine = "";
  return {
    update(status: string, progress: number) {
      const pct = Math.max(0, Math.min(100, Math.round(progress)));
      if (tty) {
        const filled = Math.round(pct / 5);
        process.stderr.write(
          `\r${label} [${"#".repeat(filled)}${".".repeat(20 - filled)}] ${String(pct).padStart(3)}% ${status.padEnd(8)}`,
        );
        return;
      }
      const line = `${label} ${status}`;
      if (line !== lastLine) process.stderr.write(`${line} ${pct}%\n`);
      lastLine = line;
    },
    finish() {
      if (tty) process.stderr.write("\n");
    },
  };
}
