"""Importing institutions from CSV keeps good rows and reports each bad one with its line."""
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Institution, InstitutionDisease
from backend.services.data import reference_data

HEADER = "code,name,area_code,district_code,level,kind,latitude,longitude,services,diseases\n"
ROWS = [
    "H1,中国医科大学附属第一医院,210100,210102,3A,hospital,41.79,123.41,inpatient;outpatient;chronic,hypertension;diabetes\n",
    "H2,坏区划医院,999999,,2,hospital,,,inpatient,\n",  # line 3: unknown area
    "H3,等级错误医院,210100,,4A,hospital,,,inpatient,\n",  # line 4: bad level
    "P1,好药房(人民路店),440300,440304,none,pharmacy,22.54,114.05,pharmacy,\n",
    "H5,纬度错误医院,440300,,2,hospital,123.4,114.0,outpatient,\n",  # line 6: latitude
    "H6,病种错误医院,440300,,2,hospital,,,outpatient;chronic,flu\n",  # line 7: unknown disease
    "H1,重复编码医院,210100,,2,hospital,,,inpatient,\n",  # line 8: duplicate code
    "H8,区县不符医院,210100,440304,2,hospital,,,inpatient,\n",  # line 9: district in another area
    ",,,,,,,,,\n",  # line 10: empty
]


def _write(tmp_path, rows):
    path = tmp_path / "institutions.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_it_keeps_the_good_rows_and_reports_each_bad_line(app, tmp_path):
    with app.app_context():
        report = reference_data.import_institutions(_write(tmp_path, ROWS))
        assert report.accepted == 2
        assert [line for line, _ in report.rejected] == [3, 4, 6, 7, 8, 9, 10]
        reasons = dict(report.rejected)
        assert "999999" in reasons[3] and "level" in reasons[4] and "latitude" in reasons[6]
        assert "flu" in reasons[7] and "twice" in reasons[8] and "440304" in reasons[9]
        codes = set(db.session.scalars(select(Institution.code)))
        assert codes == {"H1", "P1"}


def test_it_stores_services_diseases_and_pinyin_keys(app, tmp_path):
    with app.app_context():
        reference_data.import_institutions(_write(tmp_path, ROWS[:1]))
        inst = db.session.get(Institution, "H1")
        assert inst.services == ["inpatient", "outpatient", "chronic"]
        assert {d.disease_code for d in inst.diseases} == {"hypertension", "diabetes"}
        assert inst.name_initials.startswith("zgykdxfsdyyy")
        assert "zhongguo" in inst.name_pinyin


def test_re_importing_a_code_updates_it_instead_of_duplicating(app, tmp_path):
    with app.app_context():
        reference_data.import_institutions(_write(tmp_path, ROWS[:1]))
        changed = ROWS[0].replace("inpatient;outpatient;chronic,hypertension;diabetes", "inpatient,")
        report = reference_data.import_institutions(_write(tmp_path, [changed]))
        assert report.accepted == 1
        assert db.session.get(Institution, "H1").services == ["inpatient"]
        assert db.session.scalar(select(func.count()).select_from(InstitutionDisease)) == 0


def test_a_file_without_the_expected_columns_is_rejected_as_a_whole(app, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("id,title\n1,x\n", encoding="utf-8")
    with app.app_context():
        report = reference_data.import_institutions(path)
        assert report.accepted == 0 and report.rejected[0][0] == 1 and "missing columns" in report.rejected[0][1]


def test_the_cli_prints_each_rejected_line_and_a_summary(runner, tmp_path):
    result = runner.invoke(args=["import-institutions", str(_write(tmp_path, ROWS))])
    assert result.exit_code == 0, result.output
    assert "line 3:" in result.output and "line 10:" in result.output
    assert "2 accepted, 7 rejected" in result.output


def test_the_shipped_sample_institutions_import_without_rejections(app):
    with app.app_context():
        report = reference_data.import_institutions(reference_data.SAMPLE_INSTITUTIONS_CSV)
        assert report.rejected == []
        assert report.accepted >= 300
        names = set(db.session.scalars(select(Institution.name)))
        assert {"江苏省人民医院", "南方医科大学珠江医院", "山西医科大学第一医院"} <= names
