import os

from django.core.wsgi import get_wsgi_application

from kelu.core.heap import freeze_startup_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kelu.settings")
application = get_wsgi_application()
freeze_startup_heap()
