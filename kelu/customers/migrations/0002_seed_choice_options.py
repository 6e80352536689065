from django.db import migrations

# Defaults for the built-in choice fields; admins edit them afterwards.
OPTIONS = {
    "level": [("a", "A 类", "A"), ("b", "B 类", "B"), ("c", "C 类", "C")],
    "stage": [
        ("lead", "线索", "Lead"),
        ("prospect", "意向客户", "Prospect"),
        ("customer", "成交客户", "Customer"),
        ("lost", "流失", "Lost"),
    ],
    "source": [
        ("website", "官网", "Website"),
        ("trade_show", "展会", "Trade show"),
        ("referral", "客户介绍", "Referral"),
        ("cold_call", "电话开发", "Cold call"),
        ("advertising", "广告", "Advertising"),
        ("social_media", "社交媒体", "Social media"),
        ("other", "其他", "Other"),
    ],
    "industry": [
        ("manufacturing", "制造业", "Manufacturing"),
        ("it", "信息技术/互联网", "IT / Internet"),
        ("retail", "零售", "Retail"),
        ("wholesale", "批发贸易", "Wholesale trade"),
        ("finance", "金融", "Finance"),
        ("education", "教育培训", "Education"),
        ("healthcare", "医疗健康", "Healthcare"),
        ("real_estate", "房地产/建筑", "Real estate / Construction"),
        ("logistics", "物流运输", "Logistics"),
        ("catering", "餐饮酒店", "Food and hospitality"),
        ("services", "商务服务", "Business services"),
        ("other", "其他", "Other"),
    ],
}


def seed(apps, schema_editor):
    ChoiceOption = apps.get_model("customers", "ChoiceOption")
    for field, options in OPTIONS.items():
        for position, (key, label_zh, label_en) in enumerate(options):
            ChoiceOption.objects.get_or_create(
                field=field, key=key, defaults={"label_zh": label_zh, "label_en": label_en, "position": position}
            )


def unseed(apps, schema_editor):
    ChoiceOption = apps.get_model("customers", "ChoiceOption")
    for field, options in OPTIONS.items():
        ChoiceOption.objects.filter(field=field, key__in=[key for key, *_ in options]).delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
