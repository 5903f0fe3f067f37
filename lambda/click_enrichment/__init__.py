"""Enrichment of Mythical Mysfits clicks for the Firehose data-transformation processor."""
