import os

from django.core.asgi import get_asgi_application

from kelu.core.heap import tune_garbage_collection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kelu.settings")
application = get_asgi_application()
tune_garbage_collection()
