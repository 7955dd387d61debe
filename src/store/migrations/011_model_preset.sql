-- A model's own defaults, as an Ollama Modelfile sets them (SYSTEM, PARAMETER, MESSAGE, LICENSE):
-- {"system", "parameters" (Ollama's names), "messages", "license"}; null for plain weights.

ALTER TABLE models ADD COLUMN preset jsonb;
