// fragment: fact-passes
// args: [support, filters]
// description: >
//   Whether a fact's support (see `fact-support`) meets the filters, a map of max_credibility,
//   min_origins, exclude_denied and evidence_only. A fact with no uncontested claim counts as
//   credibility 6. An evidence-only tie is kept only when evidence_only is true; then a directly
//   graded one must meet max_credibility by its grade, and an ungraded one is never dropped by
//   it (it shows status `evidence` and no grade).
(support.status <> 'evidence' OR filters.evidence_only)
AND (coalesce(support.credibility, 6) <= filters.max_credibility
     OR (support.status = 'evidence' AND support.credibility IS NULL))
AND support.origins >= filters.min_origins
AND NOT (filters.exclude_denied AND support.status = 'denied')
