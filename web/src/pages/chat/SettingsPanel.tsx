/** System prompt (with presets) and parameters of a conversation; changes apply on blur. */
import type { ModelInfo } from "../../lib/models.ts";
import { PRESETS } from "./presets.ts";
import type { Settings } from "./settings.ts";

export function SettingsPanel({ settings, models, defaults, onChange, onCommit }: {
  settings: Settings;
  /** Candidates for the draft model: the other local models. */
  models: ModelInfo[];
  /** The model's own defaults (its Modelfile), shown where a field is left blank. */
  defaults?: ModelInfo["defaults"];
  onChange(s: Settings): void;
  /** Called when a field is left (or a preset picked): the place to save. */
  onCommit(s: Settings): void;
}) {
  const set = (p: Partial<Settings>) => onChange({ ...settings, ...p });
  const commit = () => onCommit(settings);
  const current = models.find((m) => m.name === settings.model);
  // Only a model this server runs can draft, for a model it runs (an upstream engine drafts by its own settings).
  const drafts = current?.kind === "local" ? models.filter((m) => m.kind === "local" && !m.reranker && m.name !== settings.model) : [];
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
        {drafts.length > 0 && (
          <label title="A smaller model with the same vocabulary drafts the answer and this one checks it in batches: the same answer, sooner when they agree">Draft with
            <select value={settings.draftModel} onChange={(e) => {
              const next = { ...settings, draftModel: e.target.value };
              onChange(next);
              onCommit(next);
            }}>
              <option value="">{defaults?.draftModel ? `The model's own (${defaults.draftModel})` : "None"}</option>
              {drafts.map((m) => <option key={m.name} value={m.name}>{m.name}</option>)}
            </select>
          </label>
        )}
      </div>
      <label>System prompt
        <textarea rows={3} maxLength={20_000} placeholder={defaults?.system ? `The model's own: ${defaults.system}` : "Optional instructions for the model"} value={settings.systemPrompt}
          onChange={(e) => set({ systemPrompt: e.target.value })} onBlur={commit} />
      </label>
    </div>
  );
}
