"""Post-processing of the generated OpenAPI schema (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""


def geojson_pages(result, generator, request, public):
    """Describe GeoJSON pages as they are returned: `features` is an array of Features.

    rest_framework_gis's GeoJsonPagination documents `features` as a reference to the list
    serializer's component, itself a FeatureCollection object, and keeps `results` as a required
    property although the page has none. Here `features` becomes that component's array and the
    required properties are the ones every page carries.
    """
    schemas = result.get("components", {}).get("schemas", {})
    for name, component in schemas.items():
        properties = component.get("properties", {})
        features = properties.get("features")
        if not name.startswith("Paginated") or not isinstance(features, dict) or "$ref" not in features:
            continue
        collection = schemas.get(features["$ref"].rsplit("/", 1)[-1], {})
        array = collection.get("properties", {}).get("features")
        if isinstance(array, dict) and array.get("type") == "array":
            properties["features"] = array
            component["required"] = ["type", "count", "features"]
    return result
