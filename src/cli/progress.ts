/**
 * A terminal progress bar (cli-progress, loaded when first needed) that appears with the first
 * update, so a command that finds nothing to do prints no empty bar.
 */
export async function progressBar(format: string) {
  const { Presets, SingleBar } = await import("cli-progress");
  const bar = new SingleBar({ format, hideCursor: true, noTTYOutput: false }, Presets.shades_classic);
  let started = false;
  return {
    get started() { return started; },
    update(value: number, total: number, payload: object = {}): void {
      if (!started) { bar.start(total, value, payload); started = true; }
      bar.update(value, payload);
    },
    stop(): void {
      if (started) bar.stop();
      started = false;
    },
  };
}
