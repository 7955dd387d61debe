/** System prompt (with presets) and parameters of a conversation; changes apply on blur. */
import type { ModelInfo } from "../../lib/models.ts";
import { PRESETS } from "./presets.ts";
import type { Settings } from "./settings.ts";

export function SettingsPanel({ settings, defaults, onChange, onCommit }: {
  settings: Settings;
  /** The model's own defaults (its Modelfile), shown where a field is left blank. */
  defaults?: ModelInfo["defaults"];
  onChange(s: Settings): void;
  /** Called when a field is left (or a preset picked): the place to save. */
  onCommit(s: Settings): void;
}) {
  const set = (p: Partial<Settings>) => onChange({ ...settings, ...p });
  const commit = () => onCommit(settings);
  return (
    <div className="chat-settings card stack">
      <div className="row chat-settings-row">
        <label>Preset
          <select value="" onChange={(e) => {
            const p = PRESETS.find((x) => x.name === e.target.value);
            if (!p) return;
            const next = { ...settings, systemPrompt: p.prompt };
            onChange(next);
            onCommit(next);
          }}>
            <option value="">Choose a preset…</option>
            {PRESETS.map((p) => <option key={p.name} value={p.name}>{p.name}</option>)}
          </select>
        </label>
        <label>Temperature
          <input type="number" min={0} max={2} step={0.1} inputMode="decimal" placeholder={defaults?.temperature?.toString() ?? "default"} value={settings.temperature}
            onChange={(e) => set({ temperature: e.target.value })} onBlur={commit} />
        </label>
        <label>Max tokens
          <input type="number" min={1} max={32768} step={1} inputMode="numeric" placeholder={defaults?.maxTokens?.toString() ?? "default"} value={settings.maxTokens}
            onChange={(e) => set({ maxTokens: e.target.value })} onBlur={commit} />
        </label>
      </div>
      <label>System prompt
        <textarea rows={3} maxLength={20_000} placeholder={defaults?.system ? `The model's own: ${defaults.system}` : "Optional instructions for the model"} value={settings.systemPrompt}
          onChange={(e) => set({ systemPrompt: e.target.value })} onBlur={commit} />
      </label>
    </div>
  );
}
