import os

from django.core.wsgi import get_wsgi_application

from kelu.core.heap import tune_garbage_collection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kelu.settings")
application = get_wsgi_application()
tune_garbage_collection()
