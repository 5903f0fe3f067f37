"""The delivery stream's record format conversion as the template configures it, with the checks
CreateDeliveryStream makes first."""

from __future__ import annotations

from typing import Any

from ..cloudformation import LocalRunnerError, ResolvedTemplate, TemplateError
from .conversion import ParquetConversion

# CreateDeliveryStream refuses a smaller buffer with record format conversion on.
CONVERSION_MIN_BUFFER_MB = 64


def load_conversion(
    template: ResolvedTemplate, destination: dict[str, Any]
) -> ParquetConversion | None:
    """The stream's record format conversion, with the columns of the Glue table it names; the
    checks CreateDeliveryStream makes first."""
    configuration = destination.get("DataFormatConversionConfiguration") or {}
    if not configuration or configuration.get("Enabled") is False:
        return None
    if destination.get("CompressionFormat", "UNCOMPRESSED") != "UNCOMPRESSED":
        raise TemplateError(
            "CompressionFormat must be UNCOMPRESSED when data format conversion is enabled"
        )
    size = (destination.get("BufferingHints") or {}).get("SizeInMBs", 128)
    if float(size) < CONVERSION_MIN_BUFFER_MB:
        raise TemplateError(
            f"BufferingHints.SizeInMBs must be at least {CONVERSION_MIN_BUFFER_MB} when data "
            "format conversion is enabled"
        )
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError as error:
        raise LocalRunnerError(
            "the delivery stream converts to Parquet, which needs pyarrow: "
            "python -m pip install -r requirements-test.txt"
        ) from error
    serializer = (configuration.get("OutputFormatConfiguration") or {}).get("Serializer") or {}
    deserializer = (configuration.get("InputFormatConfiguration") or {}).get("Deserializer") or {}
    if set(serializer) != {"ParquetSerDe"} or set(deserializer) != {"OpenXJsonSerDe"}:
        raise TemplateError("only OpenX JSON to Parquet conversion is supported locally")
    compression = serializer["ParquetSerDe"].get("Compression", "SNAPPY")
    schema = configuration.get("SchemaConfiguration") or {}
    database, name = schema.get("DatabaseName"), schema.get("TableName")
    tables = [
        properties
        for logical_id, properties in template.of_type("AWS::Glue::Table")
        if properties.get("DatabaseName") == database
        and (properties.get("TableInput") or {}).get("Name") == name
    ]
    if len(tables) != 1:
        raise TemplateError(f"the conversion's Glue table {database}.{name} is not in the template")
    columns = tables[0]["TableInput"].get("StorageDescriptor", {}).get("Columns") or []
    return ParquetConversion(
        columns=tuple((column["Name"], column["Type"]) for column in columns),
        table={
            "catalogId": str(schema.get("CatalogId", template.pseudo["AWS::AccountId"])),
            "databaseName": str(database),
            "tableName": str(name),
            "region": str(schema.get("Region", template.pseudo["AWS::Region"])),
            "versionId": str(schema.get("VersionId", "LATEST")),
        },
        compression=compression,
    )
