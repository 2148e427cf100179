/** A `sh` block of docs/tutorial.md with what it must print and where it runs. */
export type TutorialBlock = {
  /** 1-based line of the opening fence, for messages. */
  line: number;
  code: string;
  /** "operator" (the admin's shell) or "node" (a booting host of the site). */
  on: "operator" | "node";
  /** Patterns (multiline) its output must match: `<!-- expect: RE -->` after the block. */
  expect: RegExp[];
};

const ON = /^<!-- on: (operator|node) -->$/;
const EXPECT = /^<!-- expect: (.*) -->$/;

/** Every ```sh block in order; other fences (kickstart text, ipxe) are not commands. */
export function tutorialBlocks(markdown: string): TutorialBlock[] {
  const lines = markdown.split("\n");
  const blocks: TutorialBlock[] = [];
  let on: TutorialBlock["on"] = "operator";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const marker = ON.exec(line);
    if (marker) {
      on = marker[1] as TutorialBlock["on"];
      continue;
    }
    if (!line.startsWith("```")) continue;
    const lang = line.slice(3).trim();
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] ?? "").startsWith("```"); i++)
      body.push(lines[i] ?? "");
    if (lang !== "sh") continue;
    const expect: RegExp[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const e = EXPECT.exec(lines[j] ?? "");
      if (!e) break;
      expect.push(new RegExp(e[1] ?? "", "m"));
    }
    blocks.push({ line: start + 1, code: body.join("\n"), on, expect });
    on = "operator";
  }
  return blocks;
}
