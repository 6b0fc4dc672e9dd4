-- Facts 事后 review needs that the settlement tables do not hold: a person's death (exchanged with civil affairs and
-- health departments; 死亡后就医 is a review rule) and an institution's 医疗机构类别 (综合医院, 卫生院, 村卫生室,
-- 零售药店 …: peers are compared within type and level). Both are optional: without them a person is alive and an
-- institution's type is its fixmedins_type.

CREATE TABLE person_death (
    psn_no TEXT PRIMARY KEY,
    death_date TEXT NOT NULL,            -- YYYY-MM-DD
    source TEXT NOT NULL
);

CREATE TABLE institution_kind (
    fixmedins_code TEXT PRIMARY KEY,
    medins_type TEXT NOT NULL            -- 医疗机构类别 code as the region's rule pack uses it
);
