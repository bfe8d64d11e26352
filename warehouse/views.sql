-- Views over the warehouse tables, created by pipeline/publish.py in every published DuckDB file.

CREATE OR REPLACE VIEW figures_by_place_date AS
SELECT
    coalesce(f.place, '(no place)') AS place,
    p.kind AS place_kind,
    p.latitude,
    p.longitude,
    coalesce(f.as_of, a.published_date) AS as_of,
    f.category,
    f.subject,
    count(*) AS n_figures,
    max(f.value) AS max_value,
    count(DISTINCT f.article_id) AS n_articles
FROM figures f
JOIN articles a USING (article_id)
LEFT JOIN places p ON p.place_id = f.place_id
GROUP BY ALL;
COMMENT ON VIEW figures_by_place_date IS 'Figures per place, date (as_of, else publication date), category and subject: count, largest value, articles.';

CREATE OR REPLACE VIEW who_said_what AS
SELECT
    a.published_date,
    a.title,
    t.speaker,
    t.speaker_kind,
    t.speaker_role,
    t.cue,
    t.is_direct,
    t.channel,
    t.content,
    t.article_id,
    t.attribution_id
FROM attributions t
JOIN articles a USING (article_id);
COMMENT ON VIEW who_said_what IS 'Every act of saying with its resolved speaker, cue, channel and content, with the article date and title.';

CREATE OR REPLACE VIEW events_per_day_place AS
SELECT
    coalesce(e.event_date, a.published_date) AS day,
    coalesce(ep.place, '(no place)') AS place,
    e.event_type,
    count(DISTINCT e.event_id) AS n_events,
    sum(e.fatalities) AS fatalities,
    sum(e.injured) AS injured
FROM events e
JOIN articles a USING (article_id)
LEFT JOIN event_places ep USING (event_id)
GROUP BY ALL;
COMMENT ON VIEW events_per_day_place IS 'Events per day (event date, else publication date), place and type, with fatalities and injured from linked figures.';

CREATE OR REPLACE VIEW claims AS
SELECT
    f.figure_id,
    f.value,
    f.qualifier,
    f.category,
    f.subject,
    f.place,
    f.mention,
    t.speaker AS claimed_by,
    t.speaker_kind,
    t.cue,
    t.channel,
    t.is_direct,
    f.article_id,
    f.attribution_id
FROM figures f
LEFT JOIN attributions t USING (attribution_id);
COMMENT ON VIEW claims IS 'Each figure with who claims it (speaker, cue, channel); claimed_by is null when the outlet states it in its own voice.';
