/**
 * A password for the CLI: HOMTHU_PASSWORD when set (scripts, CI), else a
 * prompt on the terminal that does not echo what is typed.
 */
import readline from "node:readline";

export async function readPassword(prompt = "Password: "): Promise<string> {
  const fromEnv = process.env.HOMTHU_PASSWORD;
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new Error("no HOMTHU_PASSWORD set and no terminal to ask on");
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stdout.write(prompt);
  muted._writeToOutput = () => undefined;
  const answer = await new Promise<string>((resolve) => rl.question("", resolve));
  rl.close();
  process.stdout.write("\n");
  return answer;
}
