"""Project data in and out: files and Python objects in, a validated ProjectBatch out (`read`,
`validate`); Outcomes in, JSON, CSV and tables out (`write`)."""
