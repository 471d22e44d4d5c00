def only_cars(model):
    return model._meta.model_name == "car"
