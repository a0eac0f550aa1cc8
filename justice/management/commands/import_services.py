"""manage.py import_services: the official service files and police quadrants (dry run unless --commit)."""

from django.core.management.base import BaseCommand, CommandError

from justice.importers import DirectoryImportError, import_dataset, import_quadrants
from justice.models import Dataset

# Order matters: the quadrants are linked to the CAI and stations already in the directory.
ORDER = [
    (Dataset.CAI_2022, "cai"),
    (Dataset.POLICE_STATIONS, "stations"),
    (Dataset.FAMILY_COMMISSARIES, "commissaries"),
    (Dataset.POLICE_INSPECTIONS_2017, "inspections"),
    (Dataset.QUADRANTS_2022, "quadrants"),
]


class Command(BaseCommand):
    help = (
        "Importa el directorio de servicios (CAI 2022 + correo y código de la capa 2019, estaciones, "
        "comisarías de familia, inspecciones 2017) y los cuadrantes de policía desde BOGOTA_DATA_DIR, la "
        "caché de descargas o las rutas/URL indicadas. Sin --commit solo muestra lo que haría. / Imports "
        "the service directory and police quadrants; dry run unless --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            action="append",
            choices=[option for _, option in ORDER],
            help="Importar solo este conjunto (repetible).",
        )
        parser.add_argument("--cai", help="Ruta o URL de la capa CAI 2022 (SHP o GeoJSON).")
        parser.add_argument(
            "--cai-2019", help="Ruta o URL de la capa CAI 2019 (para correo y código policial)."
        )
        parser.add_argument("--stations", help="Ruta o URL de las estaciones de policía.")
        parser.add_argument("--commissaries", help="Ruta o URL de las comisarías de familia.")
        parser.add_argument("--inspections", help="Ruta o URL de las inspecciones de policía.")
        parser.add_argument("--quadrants", help="Ruta o URL de los cuadrantes de policía.")
        parser.add_argument("--commit", action="store_true", help="Guardar (sin esto es una simulación).")

    def handle(self, *args, only=None, commit=False, **options):
        for dataset, option in ORDER:
            if only and option not in only:
                continue
            try:
                if dataset == Dataset.QUADRANTS_2022:
                    result = import_quadrants(
                        path=options.get(option), commit=commit, progress=self.stdout.write
                    )
                else:
                    result = import_dataset(
                        dataset,
                        path=options.get(option),
                        cai_2019=options.get("cai_2019"),
                        commit=commit,
                        progress=self.stdout.write,
                    )
            except DirectoryImportError as exc:
                raise CommandError(
                    f"{exc}\nNo se guardó nada de este conjunto. (Nothing was written.)"
                ) from exc
            self._report(dataset, result)
        if not commit:
            self.stdout.write(self.style.WARNING("Simulación: nada guardado; repita con --commit."))

    def _report(self, dataset, result):
        label = Dataset(dataset).label
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"Aviso: {warning}"))
        for item in result.disagreements:
            self.stdout.write(self.style.WARNING(f"Localidad en desacuerdo: {item}"))
        counts = (
            f"{result.rows} filas: {result.created} nuevas, {result.updated} actualizadas, "
            f"{result.withdrawn} retiradas; {len(result.disagreements)} desacuerdos de localidad"
        )
        if result.status == "unchanged":
            self.stdout.write(
                self.style.SUCCESS(
                    f"{label}: sin cambios ({result.rows} filas, huella {result.checksum[:12]})."
                )
            )
        elif result.status == "dry-run":
            self.stdout.write(f"{label}: se importarían {counts}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{label}: importadas {counts}."))
