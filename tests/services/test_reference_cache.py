"""The chat's reference data (areas, diseases, institution names) is read again after REFERENCE_CACHE_TTL.

An import in another process or instance cannot tell this one to forget: within the TTL the old entry
is served, after it the new data is read, without a restart. An import in this process forgets at once.
"""
from sqlalchemy import text, update

from backend.extensions import db
from backend.models import Disease
from backend.services.dialog import dialog_turns, gazetteer, institution_names, reference_cache


class Clock:
    """Stand in for time.monotonic in the cache, so the TTL passes without waiting."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_data_changed_by_another_process_reaches_the_chat_after_the_ttl_and_not_before(app, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(reference_cache.time, "monotonic", clock)
    app.config["REFERENCE_CACHE_TTL"] = 60
    with app.app_context():
        reference_cache.forget()
        assert not institution_names.names_index().find("缓存测试医院")
        before_diseases = dialog_turns._diseases()
        hypertension = next(d for d in before_diseases if d.code == "hypertension")
        assert "血压一直高" not in hypertension.synonyms
        gazetteer.gazetteer()
        # Another process adds a hospital and a disease word, straight into the database.
        db.session.execute(text("INSERT INTO institutions (code, name, aliases, area_code, level, level_rank, kind,"
                                " net_inpatient, net_outpatient, net_chronic, net_pharmacy, name_pinyin,"
                                " name_initials, is_sample) VALUES ('CACHE-1', '缓存测试医院', '', '440300', '3A',"
                                " 1, 'hospital', true, true, false, false, '', '', true)"))
        old_words = list(hypertension.synonyms)
        db.session.execute(update(Disease).where(Disease.code == "hypertension")
                           .values(synonyms=old_words + ["血压一直高"]))
        db.session.commit()
        try:
            clock.now += 59  # within the TTL: the entries this process built are kept
            assert not institution_names.names_index().find("缓存测试医院")
            assert dialog_turns._diseases() is before_diseases
            clock.now += 2  # past it: read again
            assert [c.code for m in institution_names.names_index().find("缓存测试医院") for c in m.candidates] == ["CACHE-1"]
            after = next(d for d in dialog_turns._diseases() if d.code == "hypertension")
            assert "血压一直高" in after.synonyms
        finally:
            db.session.execute(update(Disease).where(Disease.code == "hypertension").values(synonyms=old_words))
            db.session.commit()
            reference_cache.forget()


def test_an_import_in_this_process_is_seen_at_once(app, monkeypatch, tmp_path):
    clock = Clock()
    monkeypatch.setattr(reference_cache.time, "monotonic", clock)
    app.config["REFERENCE_CACHE_TTL"] = 600
    from backend.services.data import reference_data

    with app.app_context():
        reference_cache.forget()
        assert not institution_names.names_index().find("导入测试医院")
        csv = tmp_path / "i.csv"
        header = reference_data.SAMPLE_INSTITUTIONS_CSV.read_text(encoding="utf-8").splitlines()[0]
        row = {name: "" for name in header.split(",")}
        row.update(code="IMPORT-1", name="导入测试医院", area_code="440300", level="3A", kind="hospital",
                   services="inpatient;outpatient")
        csv.write_text(header + "\n" + ",".join(row[name] for name in header.split(",")) + "\n", encoding="utf-8")
        report = reference_data.import_institutions(csv)
        assert report.accepted == 1, report.rejected
        assert [c.code for m in institution_names.names_index().find("导入测试医院") for c in m.candidates] == ["IMPORT-1"]
        reference_cache.forget()
